/** A plain statement of what goes over the network (and what never does). */
export function PrivacySection() {
  return (
    <section class="settings-section" aria-labelledby="privacy-heading" data-testid="privacy">
      <h2 id="privacy-heading">Privacy</h2>
      <p>
        <strong>Goes over the network:</strong> only model files, from huggingface.co, when you first use a
        model (or pick another one): the file list with its hashes, then the files themselves. Nothing else is
        sent, and nothing about you or your pages is in those requests.
      </p>
      <p>
        <strong>Never leaves your computer:</strong> the pages you read, your selections, questions, summaries
        and chats, and models you import from a folder. Pagewise has no server and no analytics; the model
        runs in your browser.
      </p>
    </section>
  );
}
