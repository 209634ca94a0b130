import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { CONTRACT_MAX_AUDIT, CONTRACT_MAX_DECISIONS, describeStoreContract } from './store-contract.js';

describeStoreContract('MemoryStore', async () => new MemoryStore({ maxDecisions: CONTRACT_MAX_DECISIONS, maxAuditEntries: CONTRACT_MAX_AUDIT }));
