// The back-office home: what needs a human today.
import React, { useEffect, useState } from "react"
import { ApiClient } from "adminjs"
import { Card, Pill, Table, fmt, when } from "./ui.jsx"

const api = new ApiClient()

const Figure = ({ label, value, hint, href, testId, tone }) => (
  <a href={href} data-testid={testId} style={{ textDecoration: "none", color: "inherit", display: "block", height: "100%" }}>
    <Card accent={tone} fill>
      <div style={{ fontSize: 13, color: "#667085", fontWeight: 500, minHeight: 34 }}>{label}</div>
      <div style={{ fontSize: 22, lineHeight: 1.25, fontWeight: 700, color: "#101828", margin: "4px 0 6px" }}>{value}</div>
      <div style={{ fontSize: 13, color: "#667085", minHeight: 18 }}>{hint}</div>
    </Card>
  </a>
)

const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s")

// ---- The last 14 days, from the platform's daily read models: inline SVG, no chart library ----

const CHART = { w: 560, h: 190, left: 52, right: 12, top: 14, bottom: 30 }
const plotW = CHART.w - CHART.left - CHART.right
const plotH = CHART.h - CHART.top - CHART.bottom
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const dayLabel = (day, withMonth) => {
  const [, m, d] = day.split("-")
  return String(Number(d)) + (withMonth ? " " + MONTHS[Number(m) - 1] : "")
}
/** 1, 2 or 5 times a power of ten, at least `v` (an axis' top). */
const niceMax = (v) => {
  if (v <= 0) return 1
  const p = Math.pow(10, Math.floor(Math.log10(v)))
  return [1, 2, 5, 10].map((k) => k * p).find((x) => x >= v)
}
const compactMoney = (minor, currency) => {
  const major = minor / (currency === "UGX" ? 1 : 100)
  if (major >= 1e6) return (major / 1e6).toFixed(major >= 1e7 ? 0 : 1).replace(/\.0$/, "") + "M"
  if (major >= 1e3) return (major / 1e3).toFixed(major >= 1e4 ? 0 : 1).replace(/\.0$/, "") + "k"
  return String(Math.round(major))
}
const pct = (r) => (r === null || r === undefined ? "–" : Math.round(r * 100) + "%")
const slotX = (i, n) => CHART.left + (plotW * (i + 0.5)) / n
const yOf = (v, max) => CHART.top + plotH - (plotH * v) / max

/** Gridlines with their labels, and the day labels under the plot (every other day, and the last). */
const Axes = ({ days, ticks }) => (
  <g>
    {ticks.map((t) => (
      <g key={t.y}>
        <line x1={CHART.left} x2={CHART.w - CHART.right} y1={t.y} y2={t.y} stroke={t.base ? "#d0d5dd" : "#eaecf0"} strokeDasharray={t.base ? "" : "3 3"} />
        <text x={CHART.left - 8} y={t.y + 4} textAnchor="end" fontSize="11" fill="#667085">
          {t.label}
        </text>
      </g>
    ))}
    {days.map((d, i) =>
      (days.length - 1 - i) % 2 === 0 ? (
        <text
          key={d.day}
          x={slotX(i, days.length)}
          y={CHART.h - 10}
          textAnchor="middle"
          fontSize="11"
          fill={i === days.length - 1 ? "#344054" : "#667085"}
          fontWeight={i === days.length - 1 ? 600 : 400}
        >
          {i === days.length - 1 ? "Today" : dayLabel(d.day, i < 2 || d.day.endsWith("-01") || d.day.endsWith("-02"))}
        </text>
      ) : null
    )}
  </g>
)

const Svg = ({ testId, label, children }) => (
  <svg
    data-testid={testId}
    role="img"
    aria-label={label}
    viewBox={"0 0 " + CHART.w + " " + CHART.h}
    style={{ width: "100%", height: "auto", display: "block" }}
  >
    {children}
  </svg>
)

/** Bars, one group a day; `series` are the bars of each group, side by side. */
const Bars = ({ testId, label, days, series, format, counts }) => {
  const top = Math.max(0, ...days.flatMap((d) => series.map((s) => d[s.key])))
  const max = niceMax(top)
  const slot = plotW / days.length
  const barW = (slot * 0.64) / series.length
  // a count axis has no half-way line where half is not a whole number
  const ticks = (top === 0 ? [0] : counts && max % 2 === 1 ? [0, 1] : [0, 0.5, 1]).map((f) => ({ y: yOf(max * f, max), label: format(max * f), base: f === 0 }))
  return (
    <Svg testId={testId} label={label}>
      <Axes days={days} ticks={ticks} />
      {days.map((d, i) =>
        series.map((s, j) => {
          const v = d[s.key]
          const h = (plotH * v) / max
          const x = slotX(i, days.length) - (barW * series.length) / 2 + j * barW
          return (
            <rect
              key={d.day + s.key}
              data-series={s.key}
              data-day={d.day}
              data-value={v}
              x={x + 1}
              y={CHART.top + plotH - h}
              width={Math.max(1, barW - 2)}
              height={h}
              rx={Math.min(3, h / 2)}
              fill={i === days.length - 1 ? s.today || s.color : s.color}
            >
              <title>{dayLabel(d.day, true) + ": " + s.label + " " + format(v)}</title>
            </rect>
          )
        })
      )}
    </Svg>
  )
}

/** A rate (0–1) a day as a line with a dot per day that has one; days without attempts leave a gap. */
const RateLine = ({ testId, label, days, rateKey, countOf, color }) => {
  const ticks = [0, 0.5, 1].map((f) => ({ y: yOf(f, 1), label: Math.round(f * 100) + "%", base: f === 0 }))
  const points = days.map((d, i) => (d[rateKey] === null ? null : { x: slotX(i, days.length), y: yOf(d[rateKey], 1), d }))
  let path = ""
  points.forEach((p, i) => {
    if (p) path += (i > 0 && points[i - 1] ? " L " : " M ") + p.x.toFixed(1) + " " + p.y.toFixed(1)
  })
  const area = points.filter(Boolean)
  return (
    <Svg testId={testId} label={label}>
      <Axes days={days} ticks={ticks} />
      {area.length > 1 ? (
        <path
          d={
            "M " +
            area[0].x.toFixed(1) +
            " " +
            yOf(0, 1) +
            area.map((p) => " L " + p.x.toFixed(1) + " " + p.y.toFixed(1)).join("") +
            " L " +
            area[area.length - 1].x.toFixed(1) +
            " " +
            yOf(0, 1) +
            " Z"
          }
          fill={color}
          opacity="0.08"
        />
      ) : null}
      {path ? (
        <path data-testid={testId + "-line"} d={path.trim()} fill="none" stroke={color} strokeWidth="2.25" strokeLinejoin="round" strokeLinecap="round" />
      ) : null}
      {area.map((p) => (
        <circle key={p.d.day} data-day={p.d.day} data-value={p.d[rateKey]} cx={p.x} cy={p.y} r="3.5" fill="#fff" stroke={color} strokeWidth="2">
          <title>{dayLabel(p.d.day, true) + ": " + pct(p.d[rateKey]) + " (" + countOf(p.d) + ")"}</title>
        </circle>
      ))}
    </Svg>
  )
}

const ChartCard = ({ title, figure, hint, legend, testId, children }) => (
  <Card testId={testId}>
    <div style={{ display: "flex", justifyContent: "space-between", alignItems: "flex-start", gap: 12, marginBottom: 8 }}>
      <div>
        <div style={{ fontSize: 13, color: "#667085", fontWeight: 500 }}>{title}</div>
        <div style={{ fontSize: 20, fontWeight: 700, color: "#101828", marginTop: 2 }}>{figure}</div>
        <div style={{ fontSize: 12, color: "#667085", marginTop: 2 }}>{hint}</div>
      </div>
      {legend ? (
        <div style={{ display: "flex", gap: 12, fontSize: 12, color: "#475467", whiteSpace: "nowrap" }}>
          {legend.map((l) => (
            <span key={l.label} style={{ display: "inline-flex", alignItems: "center", gap: 6 }}>
              <span style={{ width: 10, height: 10, borderRadius: 2, background: l.color, display: "inline-block" }} />
              {l.label}
            </span>
          ))}
        </div>
      ) : null}
    </div>
    {children}
  </Card>
)

const sum = (days, key) => days.reduce((n, d) => n + d[key], 0)
const ratio = (a, b) => (b === 0 ? null : a / b)

const Trends = ({ trends }) => {
  const days = trends.days
  const today = days[days.length - 1]
  const cur = trends.currency
  const money = (minor) => fmt({ amount: minor, currency: cur })
  const attempts = sum(days, "paymentsSucceeded") + sum(days, "paymentsFailed")
  const timers = sum(days, "slaMet") + sum(days, "slaBreached")
  return (
    <div data-testid="trends" style={{ marginBottom: 16 }}>
      <div style={{ display: "flex", alignItems: "baseline", justifyContent: "space-between", margin: "4px 0 12px" }}>
        <h2 style={{ margin: 0, fontSize: 17, fontWeight: 700, color: "#101828" }}>Last {days.length} days</h2>
        <div style={{ color: "#667085", fontSize: 13 }}>
          {dayLabel(trends.from, true)} – {dayLabel(trends.to, true)} · from the daily read models
        </div>
      </div>
      <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(440px, 1fr))", gap: 16 }}>
        <ChartCard
          testId="chart-gmv-card"
          title={"GMV (" + cur + ", paid orders)"}
          figure={money(sum(days, "gmv"))}
          hint={sum(days, "ordersPaid") + " paid orders · today " + money(today.gmv)}
        >
          <Bars
            testId="chart-gmv"
            label="GMV per day"
            days={days}
            series={[{ key: "gmv", label: "GMV", color: "#a6d8bd", today: "#12b76a" }]}
            format={(v) => (v === 0 ? "0" : compactMoney(v, cur))}
          />
        </ChartCard>
        <ChartCard
          testId="chart-payments-card"
          title="M-Pesa payment success"
          figure={pct(ratio(sum(days, "paymentsSucceeded"), attempts))}
          hint={
            sum(days, "paymentsSucceeded") +
            " of " +
            attempts +
            " payments went through · " +
            (today.paymentSuccessRate === null ? "none today" : "today " + pct(today.paymentSuccessRate))
          }
        >
          <RateLine
            testId="chart-payments"
            label="Payment success rate per day"
            days={days}
            rateKey="paymentSuccessRate"
            countOf={(d) => d.paymentsSucceeded + " of " + (d.paymentsSucceeded + d.paymentsFailed)}
            color="#2e90fa"
          />
        </ChartCard>
        <ChartCard
          testId="chart-sla-card"
          title="Deadlines met (dispatch and delivery SLA)"
          figure={pct(ratio(sum(days, "slaMet"), timers))}
          hint={sum(days, "slaMet") + " of " + timers + " met · " + (today.slaOnTimeRate === null ? "none due today" : "today " + pct(today.slaOnTimeRate))}
        >
          <RateLine
            testId="chart-sla"
            label="SLA on-time rate per day"
            days={days}
            rateKey="slaOnTimeRate"
            countOf={(d) => d.slaMet + " of " + (d.slaMet + d.slaBreached)}
            color="#7a5af8"
          />
        </ChartCard>
        <ChartCard
          testId="chart-exceptions-card"
          title="Exceptions"
          figure={sum(days, "exceptionsOpened") + " opened · " + sum(days, "exceptionsClosed") + " closed"}
          hint={"today " + today.exceptionsOpened + " opened, " + today.exceptionsClosed + " closed"}
          legend={[
            { label: "opened", color: "#f97066" },
            { label: "closed", color: "#32d583" }
          ]}
        >
          <Bars
            testId="chart-exceptions"
            label="Exceptions opened and closed per day"
            days={days}
            series={[
              { key: "exceptionsOpened", label: "opened", color: "#f97066" },
              { key: "exceptionsClosed", label: "closed", color: "#32d583" }
            ]}
            format={(v) => String(v)}
            counts
          />
        </ChartCard>
      </div>
    </div>
  )
}

const Dashboard = () => {
  const [data, setData] = useState(null)
  const [error, setError] = useState(null)
  useEffect(() => {
    api
      .getDashboard()
      .then((r) => setData(r.data))
      .catch((e) => setError(e.message))
  }, [])
  const root = (window.REDUX_STATE && window.REDUX_STATE.paths && window.REDUX_STATE.paths.rootPath) || "/admin"
  if (error) return <div style={{ padding: 32 }}>Could not load the dashboard: {error}</div>
  if (!data) return <div style={{ padding: 32, color: "#667085" }}>Loading…</div>
  const gmv = data.gmvToday.length ? data.gmvToday.map((g) => g.total).join(" · ") : "KES 0.00"
  const paidOrders = data.gmvToday.reduce((n, g) => n + g.orders, 0)
  const openExceptions = data.openExceptions.reduce((n, e) => n + e.n, 0)
  const review = data.review
  return (
    <div data-testid="amana-dashboard" style={{ padding: "28px 32px", background: "#f6f7f9", minHeight: "100%", fontFamily: "Roboto, system-ui, sans-serif" }}>
      <div style={{ display: "flex", alignItems: "baseline", justifyContent: "space-between", marginBottom: 20 }}>
        <div>
          <h1 style={{ margin: 0, fontSize: 24, fontWeight: 700, color: "#101828" }}>Today on Amana</h1>
          <div style={{ color: "#667085", marginTop: 4 }}>
            {new Date().toLocaleDateString("en-GB", { timeZone: "Africa/Nairobi", weekday: "long", day: "numeric", month: "long", year: "numeric" })} · Nairobi
            time
          </div>
        </div>
      </div>
      <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(180px, 1fr))", gap: 16, marginBottom: 16 }}>
        <Figure
          testId="gmv-today"
          label="GMV today (paid)"
          value={gmv}
          hint={paidOrders + " paid order" + (paidOrders === 1 ? "" : "s")}
          href={root + "/resources/orders"}
          tone="#12b76a"
        />
        <Figure
          testId="review-queue"
          label="Awaiting review"
          value={review.products + review.brands + review.sellers}
          hint={
            plural(review.products, "product") +
            " (" +
            review.rereviews +
            " re-review" +
            (review.rereviews === 1 ? "" : "s") +
            "), " +
            plural(review.brands, "brand") +
            ", " +
            plural(review.sellers, "seller")
          }
          href={root + "/resources/products"}
          tone="#f79009"
        />
        <Figure
          testId="open-exceptions"
          label="Open exceptions"
          value={openExceptions}
          hint={openExceptions ? "oldest " + when(data.openExceptions.map((e) => e.oldest).sort()[0]) : "queue is clear"}
          href={root + "/resources/exceptions"}
          tone={openExceptions ? "#f04438" : "#12b76a"}
        />
        <Figure
          testId="payments"
          label="Payments pending / failed today"
          value={data.payments.pending + " / " + data.payments.failed_today}
          hint={data.payments.paid_today + " paid today"}
          href={root + "/resources/payments"}
          tone="#2e90fa"
        />
        <Figure
          testId="payouts-due"
          label="Payouts awaiting approval"
          value={data.payoutsDue.total}
          hint={
            data.payoutsDue.payouts +
            " payouts in " +
            data.payoutsDue.batches +
            " batch" +
            (data.payoutsDue.batches === 1 ? "" : "es") +
            (data.payoutsDue.failed ? " · " + data.payoutsDue.failed + " failed" : "")
          }
          href={root + "/resources/payout_batches"}
          tone="#7a5af8"
        />
      </div>
      {data.trends ? <Trends trends={data.trends} /> : null}
      <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(360px, 1fr))", gap: 16 }}>
        <Card title="Orders by state" testId="orders-by-state">
          <Table
            columns={[
              { key: "state", label: "State", render: (r) => <Pill>{r.state}</Pill> },
              { key: "n", label: "Orders", align: "right" }
            ]}
            rows={data.ordersByState}
            empty="No orders yet"
          />
        </Card>
        <Card title="Exception queue">
          <Table
            columns={[
              { key: "kind", label: "Kind", render: (r) => <Pill tone="red">{r.kind}</Pill> },
              { key: "n", label: "Open", align: "right" },
              { key: "oldest", label: "Oldest", render: (r) => when(r.oldest) }
            ]}
            rows={data.openExceptions}
            empty="Nothing waiting: the queue is clear"
          />
        </Card>
        <Card title="Recent admin actions">
          <Table
            columns={[
              { key: "seq", label: "#" },
              { key: "action", label: "Action" },
              { key: "actor", label: "By" },
              { key: "at", label: "When", render: (r) => when(r.at) }
            ]}
            rows={data.recent}
            empty="No admin actions yet"
          />
        </Card>
      </div>
    </div>
  )
}

export default Dashboard
