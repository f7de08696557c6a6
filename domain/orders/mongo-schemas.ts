import { Schema } from 'mongoose';
import type { FailureReason, OrderLine } from '../../contracts/events';

/** Sub-documents the event contracts define, stored the same way by every collection that keeps them. */

export const orderLineSchema = new Schema<OrderLine>(
  {
    sku: { type: String, required: true },
    name: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitPriceCents: { type: Number, required: true },
    lineTotalCents: { type: Number, required: true },
  },
  { _id: false },
);

// A sub-schema, because a `type` key inline would be read as mongoose's type keyword.
export const failureReasonSchema = new Schema<FailureReason>(
  { type: { type: String, required: true }, message: { type: String, required: true } },
  { _id: false },
);
