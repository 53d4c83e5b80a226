import { longArticleText } from '../test/support/article';

/*
 * The bench's article: the four sections of the tests' harbour article once, then sections about other
 * parts of the town, each its own. Unlike the tests' article, which repeats its sections to grow, no
 * paragraph comes twice, so retrieval finds each fact in one place, as on a real page.
 */

const PLACES = [
  'the old fish market',
  'the north quay',
  'the lifeboat station',
  'the chapel on the hill',
  'the rope walk',
  'the tidal pool',
  'the railway halt',
  'the lighthouse',
  'the cannery',
  'the town hall',
  'the boatyard',
  'the salt marsh',
];
const PEOPLE = [
  'Ines Varga',
  'Tomas Reyes',
  'Priya Nair',
  'Owen Hale',
  'Lea Brandt',
  'Kofi Mensah',
  'Rosa Lindqvist',
  'Samir Haddad',
  'June Okoro',
  'Pavel Novak',
  'Aiko Tanaka',
  'Dora Szabo',
];
const THINGS = ['timber', 'slate roofs', 'iron railings', 'stained glass', 'brick arches', 'granite steps'];

function section(i: number): string {
  const place = PLACES[i % PLACES.length] as string;
  const person = PEOPLE[(i * 5) % PEOPLE.length] as string;
  const thing = THINGS[(i * 7) % THINGS.length] as string;
  const built = 1820 + ((i * 37) % 140);
  const restored = built + 40 + ((i * 13) % 60);
  const visitors = 1_200 + ((i * 977) % 9_000);
  return [
    `## ${place[0]?.toUpperCase()}${place.slice(1)}, part ${Math.floor(i / PLACES.length) + 1}`,
    `Built in ${built}, ${place} was known for its ${thing}, which the builders brought by sea because the road over the moor was closed for most of the year.`,
    `It was restored in ${restored}, after a campaign led by ${person}, who collected letters from ${visitors.toLocaleString('en')} people and read each of them aloud at a council meeting that lasted until dawn.`,
    `Today about ${visitors.toLocaleString('en')} people visit it every year, and the guides show them where its ${thing} still bear the marks of the ${built + 17} storm.`,
  ].join('\n\n');
}

/** Block-structured text of at least `words` words. */
export function benchArticleText(words: number): string {
  // The harbour article's four sections, each once (1,319 characters).
  const blocks = [longArticleText(1_300)];
  for (let i = 0; blocks.join('\n\n').split(/\s+/).length < words; i++) blocks.push(section(i));
  return blocks.join('\n\n');
}
