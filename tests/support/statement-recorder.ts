/**
 * The statements a pool sends while recording, for tests that pin how many a use case costs or how
 * they are planned: pass `onStatement` to makePool (adapters/postgres/database.ts), then
 * `counted(run)` answers what `run` returned and the statements sent meanwhile, whitespace collapsed,
 * and the same statements as sent, with their parameters (`sent`: what tests/support/plans.ts explains).
 */
export interface SentStatement {
  /** as sent: its comments end at a line's end */
  readonly query: string
  readonly parameters: ReadonlyArray<unknown>
}

export const statementRecorder = () => {
  let recording: Array<SentStatement> | undefined
  return {
    onStatement: (query: string, parameters: ReadonlyArray<unknown>): void => void recording?.push({ query, parameters }),
    counted: async <A>(
      run: () => Promise<A>
    ): Promise<{ readonly result: A; readonly statements: ReadonlyArray<string>; readonly sent: ReadonlyArray<SentStatement> }> => {
      recording = []
      try {
        const result = await run()
        return { result, statements: recording.map((s) => s.query.replace(/\s+/g, " ").trim()), sent: recording }
      } finally {
        recording = undefined
      }
    }
  }
}
