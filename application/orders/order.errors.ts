import { Data } from "effect"

export class OrderNotFound extends Data.TaggedError("OrderNotFound")<{ readonly orderId: string }> {
  readonly code = "ORDER.NOT_FOUND"
  override get message() {
    return `there is no order ${this.orderId}`
  }
}
