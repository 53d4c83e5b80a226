import * as v from 'valibot';
import { DEFAULT_SERVER_CONTEXT_TOKENS, LocalServerSchema } from './local-server';
import { ModelSpecSchema } from './model-spec';
import { TIER_IDS } from './tiers';

/*
 * The settings' shape, apart from their storage (`settings.ts`), so the protocol can check a change with it
 * in any context, a Node test included, without the browser's storage API.
 */

/** What Settings says answers are written in: the page's (or question's) language, or the browser's. */
export const ANSWER_LANGUAGES = ['page', 'browser'] as const;
export type AnswerLanguage = (typeof ANSWER_LANGUAGES)[number];

export const SUMMARY_LENGTHS = ['brief', 'standard', 'detailed'] as const;
export type SummaryLength = (typeof SUMMARY_LENGTHS)[number];

/**
 * An imported model's spec, as stored: a ModelSpec whose names are an import's, checked on every read since
 * the worker acts on it.
 */
export const ImportedModelSchema = v.object({
  ...ModelSpecSchema.entries,
  id: v.pipe(v.string(), v.regex(/^imported-[a-z0-9-]{1,80}$/)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(120)),
  repo: v.pipe(v.string(), v.regex(/^imported\/[a-z0-9-]{1,80}$/)),
  revision: v.literal('local'),
  contextSize: v.pipe(v.number(), v.integer(), v.minValue(256)),
  maxPromptTokens: v.pipe(v.number(), v.integer(), v.minValue(64)),
  maxChatPromptTokens: v.pipe(v.number(), v.integer(), v.minValue(64)),
  bundled: v.literal(false),
  imported: v.literal(true),
});
export type ImportedModel = v.InferOutput<typeof ImportedModelSchema>;

const ServerContextTokens = v.pipe(v.number(), v.integer(), v.minValue(512), v.maxValue(1_048_576));

const ModelPicksSchema = v.record(v.picklist(TIER_IDS), v.pipe(v.string(), v.maxLength(100)));

/** What a page may change in one `updateSettings` request: anything but the imported models. */
export const SettingsChangeSchema = v.partial(
  v.object({
    /** `auto`, or the tier picked by hand. */
    engine: v.picklist(['auto', ...TIER_IDS]),
    /** Models picked for some tiers, by registry id, merged into the others' picks. */
    models: ModelPicksSchema,
    /** The summary length the popup starts with (the last one picked). */
    summaryLength: v.picklist(SUMMARY_LENGTHS),
    /** What summaries and answers are written in: the page's language, or the browser's. */
    answerLanguage: v.picklist(ANSWER_LANGUAGES),
    /** A local server's context in tokens, when the server does not say. */
    serverContextTokens: ServerContextTokens,
  }),
);
export type SettingsChange = v.InferOutput<typeof SettingsChangeSchema>;

/** Everything but the imported models, each field read as its default when missing or malformed. */
export const PlainSettingsSchema = v.object({
  engine: v.fallback(v.picklist(['auto', ...TIER_IDS]), 'auto'),
  models: v.fallback(ModelPicksSchema, {}),
  summaryLength: v.fallback(v.picklist(SUMMARY_LENGTHS), 'standard'),
  answerLanguage: v.fallback(v.picklist(ANSWER_LANGUAGES), 'page'),
  /** The connected local server; null until Connect succeeds (only the worker's connect handler sets it). */
  localServer: v.fallback(v.nullable(LocalServerSchema), null),
  serverContextTokens: v.fallback(ServerContextTokens, DEFAULT_SERVER_CONTEXT_TOKENS),
});

/** Everything the user sets in Settings, kept under one key of `storage.local`. */
export type Settings = v.InferOutput<typeof PlainSettingsSchema> & {
  /** Models imported from a folder; their files are in the model store. */
  importedModels: ImportedModel[];
};
