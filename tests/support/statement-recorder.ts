/**
 * The statements a pool sends while recording, for tests that pin how many a use case costs: pass
 * `onStatement` to makePool (adapters/postgres/database.ts), then `counted(run)` answers what `run`
 * returned and the statements sent meanwhile, whitespace collapsed.
 */
export const statementRecorder = () => {
  let recording: Array<string> | undefined
  return {
    onStatement: (query: string): void => void recording?.push(query.replace(/\s+/g, " ").trim()),
    counted: async <A>(run: () => Promise<A>): Promise<{ readonly result: A; readonly statements: ReadonlyArray<string> }> => {
      recording = []
      try {
        const result = await run()
        return { result, statements: recording }
      } finally {
        recording = undefined
      }
    }
  }
}
