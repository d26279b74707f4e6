// Electron shell entry (being written): see contracts/shell.ts and runtime/shell/types.ts.
export {};
