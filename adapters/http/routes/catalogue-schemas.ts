/** Schemas the catalogue and store routes share. */
import { Schema } from "effect"
import { Money } from "../wire.js"

export const ProductSummary = Schema.Struct({
  id: Schema.String,
  storeId: Schema.String,
  storeName: Schema.String,
  title: Schema.String,
  description: Schema.String,
  price: Money,
  media: Schema.Array(Schema.String),
  available: Schema.Int
}).annotations({ identifier: "ProductSummary" })
