/**
 * Child process for the second-writer tests: opens the knowledge base in argv[2] and commits one document
 * (the regulation at index argv[3] of corpus-docs, under id `child-<argv[3]>`), printing `committed <id>`.
 */
import { openKnowledgeBase } from '../../src/index/open.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { embedDoc, regulationDocs } from './corpus-docs.js';

const [dir, which] = process.argv.slice(2);
if (!dir || !which) throw new Error('usage: commit-child.ts <dir> <index>');
const embedder = createBuiltinEmbedder();
const kb = await openKnowledgeBase({ dir, embedder });
const source = (await regulationDocs())[Number(which)];
const id = `child-${which}`;
const chunks = source.chunks.map((c) => ({ ...c, id: `${id}#${c.ordinal}`, docId: id }));
const storedFile = await kb.storeOriginal(id, source.doc.source, Buffer.from(chunks.map((c) => c.text).join('\n')));
kb.putDocument({ ...source.doc, id, sourceKey: `child:${which}`, storedFile }, chunks, await embedDoc(embedder, source));
await kb.commit();
await kb.close();
process.stdout.write(`committed ${id}\n`);
