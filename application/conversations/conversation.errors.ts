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

/**
 * The chat account this conversation came in on no longer serves the store (an admin moved or
 * disconnected it): the store keeps the history but no longer speaks through the account.
 */
export class ChannelGone extends Data.TaggedError("ChannelGone")<{ readonly conversationId: string }> {
  readonly code = "CONVERSATION.CHANNEL_GONE"
  override get message() {
    return `the chat account of conversation ${this.conversationId} no longer serves your store: nothing can be sent through it`
  }
}
