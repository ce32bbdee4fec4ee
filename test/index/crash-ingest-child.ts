/**
 * Child process for the kill -9 test: opens the knowledge base in argv[2] and, forever, adds a real
 * regulation as a new document (removing an old one every third round), printing `pending <n>` before
 * each commit and `committed <n>` after it, where n is the document count that commit persists.
 */
import { openKnowledgeBase } from '../../src/index/open.js';
import { createBuiltinEmbedder } from '../../src/llm/builtin/builtin-embedder.js';
import { embedDoc, regulationDocs } from './corpus-docs.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-ingest-child.ts <dir>');
const embedder = createBuiltinEmbedder();
const kb = await openKnowledgeBase({ dir, embedder });
const sources = await regulationDocs();
let seq = Math.max(0, ...kb.listDocuments().map((d) => Number(d.id.slice(4)) + 1));
process.stdout.write(`opened ${kb.listDocuments().length}\n`);
for (;;) {
  const source = sources[seq % sources.length];
  const id = `doc-${seq}`;
  const doc = { ...source.doc, id, sourceKey: `${source.doc.sourceKey}#${seq}` };
  const chunks = source.chunks.map((c) => ({ ...c, id: `${id}#${c.ordinal}`, docId: id }));
  const vectors = await embedDoc(embedder, source);
  doc.storedFile = await kb.storeOriginal(id, doc.source, Buffer.from(chunks.map((c) => c.text).join('\n')));
  kb.putDocument(doc, chunks, vectors);
  if (seq % 3 === 2) kb.removeDocument(kb.listDocuments()[0].id);
  seq++;
  process.stdout.write(`pending ${kb.listDocuments().length}\n`);
  await kb.commit();
  process.stdout.write(`committed ${kb.listDocuments().length}\n`);
}
