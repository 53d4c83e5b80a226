/** The vocabulary every layer shares: models, tiers, chat messages, embedders, settings. It imports no other layer. */
export type { ChatMessage } from './chat-message';
export type { Embedder, EmbedKind } from './embedder';
export {
  ConnectServerSchema,
  DEFAULT_SERVER_CONTEXT_TOKENS,
  DEFAULT_SERVER_URL,
  type LocalServer,
  LocalServerSchema,
  normalizeServerUrl,
  SERVER_APIS,
  SERVER_PRESETS,
  SERVER_URL_RULE,
  type ServerApi,
} from './local-server';
export { DTYPES, type Dtype, type ModelSpec, ModelSpecSchema } from './model-spec';
export {
  ANSWER_LANGUAGES,
  type AnswerLanguage,
  type ImportedModel,
  ImportedModelSchema,
  PlainSettingsSchema,
  type Settings,
  type SettingsChange,
  SettingsChangeSchema,
  SUMMARY_LENGTHS,
  type SummaryLength,
} from './settings';
export {
  type Availability,
  type EnginePreference,
  isTierId,
  TIER_IDS,
  type TierId,
  type TierReport,
  type TierState,
} from './tiers';
