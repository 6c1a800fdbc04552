// Password strength with zxcvbn-ts (common + Finnish dictionaries), loaded only when needed.
const MIN_LENGTH = 10;
const MIN_SCORE = 3;
let ready = null;

async function load() {
  // About 1 MB of dictionaries: one lazy chunk of the build, never precached.
  const { zxcvbn, zxcvbnOptions, common, fi } = await import('../vendor/zxcvbn.mjs');
  zxcvbnOptions.setOptions({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...fi.dictionary },
  });
  return zxcvbn;
}

/** {score 0–4, acceptable} for a password; `context` words (email, name) count against it. */
export async function estimate(password, context = []) {
  ready ??= load();
  const zxcvbn = await ready;
  const words = context.filter(Boolean).flatMap((w) => String(w).toLowerCase().split(/[@.\s]+/)).filter((w) => w.length > 2);
  const { score } = zxcvbn(password, words);
  const effective = password.length < MIN_LENGTH ? Math.min(score, 1) : score;
  return { score: effective, acceptable: effective >= MIN_SCORE };
}
