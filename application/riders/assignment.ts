/**
 * Which in-house rider takes a job: plain functions over the candidates, so the rule is readable and
 * property-tested. Least loaded first (live jobs), then the better score, then the smaller user id
 * (deterministic: the candidates' listing order never matters).
 */

export interface RiderStats {
  readonly delivered: number
  readonly onTime: number
  readonly failedAttempts: number
  readonly disputes: number
}

export interface Candidate {
  readonly riderUserId: string
  /** Live jobs: ASSIGNED, PICKED_UP or IN_TRANSIT. */
  readonly load: number
  readonly stats: RiderStats
}

/** A rider may hold at most this many live jobs. */
export const MAX_LIVE_JOBS = 5

/**
 * Score in [0, 1000]: the on-time rate smoothed towards 1/2 for new riders (Laplace: (onTime + 1) /
 * (delivered + 2)), minus a penalty per failed attempt and per dispute relative to the jobs done.
 * Integer arithmetic only: ties are exact.
 */
export const riderScore = (s: RiderStats): number => {
  const jobs = s.delivered + s.failedAttempts
  const onTime = Math.floor(((s.onTime + 1) * 1000) / (s.delivered + 2))
  const penalty = jobs === 0 ? 0 : Math.floor(((s.failedAttempts * 250 + s.disputes * 500) * 1) / (jobs + 1))
  return Math.max(0, Math.min(1000, onTime - penalty))
}

const compare = (a: Candidate, b: Candidate): number => {
  if (a.load !== b.load) return a.load - b.load
  const sa = riderScore(a.stats)
  const sb = riderScore(b.stats)
  if (sa !== sb) return sb - sa
  return a.riderUserId < b.riderUserId ? -1 : a.riderUserId > b.riderUserId ? 1 : 0
}

/** The rider to assign, or undefined when everyone is at MAX_LIVE_JOBS or excluded. */
export const chooseRider = (candidates: ReadonlyArray<Candidate>, exclude: ReadonlyArray<string> = []): Candidate | undefined =>
  candidates
    .filter((c) => c.load < MAX_LIVE_JOBS && !exclude.includes(c.riderUserId))
    .reduce<Candidate | undefined>((best, c) => (best === undefined || compare(c, best) < 0 ? c : best), undefined)

export interface Scorecard extends RiderStats {
  readonly riderUserId: string
  readonly name: string
  readonly jobs: number
  /** Basis points of delivered jobs that arrived by the promised time (0 when none delivered). */
  readonly onTimeBps: number
  readonly score: number
}

export const scorecard = (riderUserId: string, name: string, s: RiderStats): Scorecard => ({
  riderUserId,
  name,
  ...s,
  jobs: s.delivered + s.failedAttempts,
  onTimeBps: s.delivered === 0 ? 0 : Math.floor((s.onTime * 10_000) / s.delivered),
  score: riderScore(s)
})
