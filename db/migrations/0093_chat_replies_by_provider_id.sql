-- A chat reply (conversation_messages, direction OUT) found by the provider's message id: a WhatsApp
-- `failed` status that arrives after the send marks the reply FAILED (MessageStatusStore.markFailed).
-- Without it every such status read every message of every conversation.
create index if not exists conversation_messages_outbound_provider_idx on conversation_messages (provider_message_id) where direction = 'OUT';
