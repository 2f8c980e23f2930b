// The back-office home: what needs a human today.
import React, { useEffect, useState } from "react"
import { ApiClient } from "adminjs"
import { Card, Pill, Table, when } from "./ui.jsx"

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
