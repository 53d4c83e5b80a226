/** The vocabulary every layer shares: models, tiers, chat messages, embedders. It imports no other layer. */
export type { ChatMessage } from './chat-message';
export type { Embedder, EmbedKind } from './embedder';
export { DTYPES, type Dtype, type ModelSpec, ModelSpecSchema } from './model-spec';
export {
  type Availability,
  type EnginePreference,
  isTierId,
  TIER_IDS,
  TIER_NAMES,
  type TierId,
  type TierReport,
  type TierState,
} from './tiers';
