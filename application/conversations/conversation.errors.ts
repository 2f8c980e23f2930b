import { Data } from "effect"

export class ConversationNotFound extends Data.TaggedError("ConversationNotFound")<{ readonly conversationId: string }> {
  readonly code = "CONVERSATION.NOT_FOUND"
  override get message() {
    return `your store has no conversation ${this.conversationId}`
  }
}

/** The draft cannot be confirmed as it stands: no lines, no destination, no phone for the M-Pesa prompt. */
export class DraftIncomplete extends Data.TaggedError("DraftIncomplete")<{ readonly missing: ReadonlyArray<string> }> {
  readonly code = "CONVERSATION.DRAFT_INCOMPLETE"
  override get message() {
    return `the draft cannot be confirmed: ${this.missing.join(", ")}`
  }
}

/** A draft line names a variant the store does not sell. */
export class DraftVariantUnknown extends Data.TaggedError("DraftVariantUnknown")<{ readonly variantId: string }> {
  readonly code = "CONVERSATION.VARIANT_UNKNOWN"
  override get message() {
    return `your store sells no verified variant ${this.variantId}`
  }
}
