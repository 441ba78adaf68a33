import { MemoryStore, type RoomStore } from '../../src/store/memory.js'
import { roomStoreSuite } from './suite.js'

// A reopened MemoryStore is a copy of what it holds: the contract's load() must not depend on the instance.
roomStoreSuite('MemoryStore', {
  create: () => new MemoryStore(),
  reopen: (store: RoomStore) => (store as MemoryStore).copy()
})
