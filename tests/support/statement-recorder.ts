/**
 * The statements a pool sends while recording, for tests that pin how many a use case costs or how
 * they are planned: pass `onStatement` to makePool (adapters/postgres/database.ts), then
 * `counted(run)` answers what `run` returned and the statements sent meanwhile, whitespace collapsed,
 * and the same statements as sent, with their parameters (`sent`: what tests/support/plans.ts explains).
 * The outbox relay's runs (adapters/postgres/outbox-relay.ts), which a commit sets off in the
 * background, are not counted: they are not the statements of what was run, and they batch whatever
 * was committed meanwhile. Nor is postgres.js's own setup query on a new connection (isConnectionSetup).
 */
/** The outbox relay's statement (adapters/postgres/outbox-relay.ts), told apart by its first words. */
export const isRelayRun = (query: string): boolean => /^\s*with moved as \(\s*delete from outbox_jobs\b/.test(query)

/**
 * postgres.js's own first query on each new connection (`fetch_types`: the array types, read once per
 * connection). It is not a statement of what was run: a run that happens to open a connection (the
 * pool's open ones busy with a background relay run, say) would count one more (a CI run of
 * tests/checkout/sold-out.test.ts counted 2 statements where 1 was sent by the use case).
 */
export const isConnectionSetup = (query: string): boolean => /^\s*select b\.oid, b\.typarray\s+from pg_catalog\.pg_type\b/.test(query)

export interface SentStatement {
  /** as sent: its comments end at a line's end */
  readonly query: string
  readonly parameters: ReadonlyArray<unknown>
}

export const statementRecorder = () => {
  let recording: Array<SentStatement> | undefined
  let relayRuns = 0
  return {
    onStatement: (query: string, parameters: ReadonlyArray<unknown>): void => {
      if (isRelayRun(query)) relayRuns++
      else if (!isConnectionSetup(query)) recording?.push({ query, parameters })
    },
    /** The outbox relay's statements sent so far (left out of `counted`). */
    relayRuns: () => relayRuns,
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
