import { runKnowledgeBaseContract } from './knowledge-base.contract.js';
import { openKnowledgeBase } from '../../src/index/open.js';

runKnowledgeBaseContract({ name: 'FileKnowledgeBase', open: (dir, embedder) => openKnowledgeBase({ dir, embedder }) });
