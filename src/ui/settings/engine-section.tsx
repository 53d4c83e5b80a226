/** Which engine runs the model: every tier with its state and reason, and the picker. */
export function EngineSection() {
  return (
    <section class="settings-section" aria-labelledby="engine-heading">
      <h2 id="engine-heading">Engine</h2>
      <p class="settings-section__intro">How Pagewise runs its model on this computer.</p>
    </section>
  );
}
