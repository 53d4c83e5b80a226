/** One turn of a chat prompt, as every backend's chat template takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
