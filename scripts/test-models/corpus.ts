/**
 * Plain English prose the BPE trainer learns its merges from. Written for this project (no third-party
 * text), about everyday subjects, so common words, spaces and punctuation dominate as they do on web
 * pages. Changing it changes every generated tokenizer: bump the generator version when you do.
 */
export const TRAINING_CORPUS = `
The web is a large and busy place. Every day people open a page, read a few lines, and then move on to the next one. Some pages are short and easy to read, while others are long articles with many sections, tables and links. A good reading assistant should help people find what they need without sending their words to a server far away.

When you open a page in your browser, the text you see is only part of what is there. There are menus, buttons, footers, cookie banners and hidden parts that nobody ever reads. The main content is often a small share of the whole document. To summarize a page well, the assistant first has to find that main content and leave the rest out.

Once the text is found, it is split into smaller pieces. Each piece should be about the same size, and it should end at the end of a sentence or a paragraph when that is possible. The pieces are then sent to the model one after another, or only the most useful pieces are chosen for a question.

A language model does not read letters the way we do. It reads tokens, which are short strings of characters. A common word such as "the" or "and" is often a single token, while a rare word is split into several parts. Numbers, names and words from other languages usually take more tokens than plain English words.

The model has a context window, which is the largest number of tokens it can look at in one pass. If the text is longer than the window, something has to give. The assistant can cut the text, it can summarize each part and then summarize the summaries, or it can pick the parts that matter most for the question that was asked.

Speed matters as well. On a small laptop without a graphics card, a small model may write twenty or thirty tokens per second. Reading a long prompt takes time before the first word appears, so it is better to send less text and to show progress while the model is working. People are patient when they can see that something is happening.

Privacy is the reason to run the model in the browser at all. The page you are reading may be your bank statement, a medical record, or a private message. None of it should leave your computer. The assistant downloads the model once, keeps it in the cache, and then works even when you are offline.

It was a cold morning in the middle of winter. The old man walked down to the harbor with his dog, as he did every day. The boats were still tied up, and the water was calm and gray. He sat on the bench near the fish market and watched the gulls. After a while a young woman came and sat down next to him. She asked him if the ferry was running today. He told her that it would leave at ten, if the wind did not pick up.

They talked for an hour about the town, the weather and the people who had moved away. She had grown up in the city and had never seen the sea in winter. He had never been to the city at all. When the ferry finally came, she thanked him, picked up her bag and walked to the pier. The dog followed her for a few steps and then came back.

To make a simple loaf of bread, you need flour, water, salt and yeast. Mix the yeast with warm water and let it rest for ten minutes. Add the flour and the salt, and knead the dough for about ten minutes until it is smooth. Put it in a bowl, cover it, and let it rise for an hour. Shape the loaf, let it rise again, and bake it in a hot oven for thirty to forty minutes. The bread is done when it sounds hollow when you tap the bottom.

Printing changed the world. Before the printing press, books were copied by hand, and a single book could take months to finish. After the press, the same text could be printed hundreds of times in a few days. Books became cheaper, more people learned to read, and new ideas spread faster than ever before. Some historians say that the web has done the same thing again, only much faster.

Scientists study the world by asking questions and testing their answers. They make an observation, form a hypothesis, and design an experiment to test it. If the results do not match the prediction, the idea must be changed or thrown away. Good science is open about its methods, so that other people can repeat the work and check the results for themselves.

What is the best way to learn a new language? Many teachers say that you should read and listen every day, even if only for a few minutes. It helps to speak with other people, to make mistakes and to laugh about them. Short stories, songs and simple news articles are good places to start. Over time the strange words become familiar, and one day you notice that you are thinking in the new language.

Questions and answers:
Q: How long does the battery last?
A: About ten hours of normal use, or six hours when you watch videos.
Q: Can I use it without an internet connection?
A: Yes. After the first download, everything works offline.
Q: Where is my data stored?
A: Only on your own device. Nothing is sent to a server.

The meeting is on Monday, March 3, at 2:30 in the afternoon. Please bring the report, the budget for the next quarter, and your notes from the last meeting. If you cannot come, send an email to the team before Friday so that we can plan the agenda. The room has space for twelve people, and there will be coffee and tea.

In the summer the village is full of visitors. They come for the beaches, the food and the long evenings. The shops stay open late, and the streets are full of music. In the autumn the visitors leave, the shops close early, and the village becomes quiet again. Those who live there all year say that the quiet months are the best part of the year, because they finally have time for their friends and families.

Software is never finished. There is always one more bug to fix, one more feature to add, and one more test to write. Good engineers write small changes, test them well, and explain their reasons in clear words. They read the code of others with care and kindness, and they are not afraid to say when they do not know something. Over the years, these small habits make the difference between a project that grows and a project that falls apart.

The river starts high in the mountains, where snow melts in the spring. It runs through forests and fields, past small towns and large cities, until it reaches the sea. Along the way it carries water for farms, power for factories, and a home for fish and birds. People have lived along its banks for thousands of years, and many of the oldest stories in the region are about the river and its floods.

Here is a short list of things to check before a long trip: your passport, your tickets, a charger for your phone, some cash, a bottle of water, a warm jacket, and something to read. It is also a good idea to tell a friend where you are going and when you plan to come back. If something goes wrong, someone will know where to look for you.

Children learn by playing. When they build a tower of blocks and it falls over, they learn about balance and weight. When they play a game with friends, they learn about rules, fairness and taking turns. Parents and teachers can help by giving them time, space and simple materials, and by asking questions instead of giving all the answers.

The history of the city goes back more than two thousand years. It was founded as a small trading post on the river, and it grew as merchants brought goods from distant lands. Over the centuries it was ruled by kings, bishops and elected councils. Today it is known for its old town, its markets and its university, which is one of the oldest in the country.

Most people check their phones more than a hundred times a day. They read the news, answer messages, look at photos and search for information. Much of this reading is quick and shallow. A tool that can summarize a long article in a few sentences, or answer a question about a page, can save time and help people focus on what is important to them.
`;
