/** Which side of a search a text is on: models like e5 embed questions and passages differently. */
export type EmbedKind = 'query' | 'passage';

/** A loaded sentence-embedding model. */
export interface Embedder {
  /** The registry id of the model (`EmbedderSpec.id`): vectors from different models never mix. */
  readonly id: string;
  /**
   * Unit-length vectors (cosine is a dot product), one per text, in order; batched, so aborts wait one batch.
   *
   * @throws AppError `cancelled` when `signal` aborts.
   */
  embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}
