import { expect, test } from 'vitest';
import manifest from '../../../manifest.json' with { type: 'json' };
import { firefoxManifest, GECKO_ID, SIDEBAR_PAGE } from '../../../scripts/firefox-manifest';

test("Firefox's manifest is Chrome's, with a background page, a sidebar and gecko settings instead of Chrome's keys", () => {
  const firefox = firefoxManifest(manifest);
  expect(firefox.background).toEqual({ scripts: [manifest.background.service_worker], type: 'module' });
  expect(firefox.sidebar_action).toMatchObject({
    default_panel: SIDEBAR_PAGE,
    default_title: manifest.action.default_title,
  });
  expect(SIDEBAR_PAGE).toBe(manifest.side_panel.default_path);
  expect(firefox.browser_specific_settings).toEqual({
    gecko: {
      id: GECKO_ID,
      strict_min_version: '140.0',
      data_collection_permissions: { required: ['none'] },
    },
  });
  for (const key of [
    'side_panel',
    'minimum_chrome_version',
    'cross_origin_embedder_policy',
    'cross_origin_opener_policy',
  ])
    expect(firefox).not.toHaveProperty(key);
  expect(firefox.permissions).toEqual(
    manifest.permissions.filter((p) => p !== 'sidePanel' && p !== 'offscreen'),
  );
  // Everything else is shared as it is.
  for (const key of [
    'name',
    'version',
    'action',
    'content_scripts',
    'host_permissions',
    'content_security_policy',
    'commands',
    'options_ui',
  ] as const)
    expect(firefox[key]).toEqual(manifest[key]);
  // The source is left as it was, for Chrome's build.
  expect(manifest.background).toHaveProperty('service_worker');
});
