-- Issue 14: chats become orders. A business messaging account (a WhatsApp phone number id, an
-- Instagram account id) speaks for one store; a conversation is one customer on one channel with one
-- store; each message is stored once (inbound deduplicated by the provider's message id).

create table channel_accounts (
  channel     text not null check (channel in ('WHATSAPP', 'INSTAGRAM')),
  account_id  text not null check (length(account_id) between 1 and 100),
  store_id    text not null references stores(id),
  created_at  timestamptz not null default now(),
  primary key (channel, account_id)
);

create table conversations (
  id               text primary key,
  channel          text not null check (channel in ('WHATSAPP', 'INSTAGRAM')),
  -- the business account the customer wrote to: replies leave from it
  account_id       text not null,
  -- the provider's customer id: a phone (WhatsApp, 2547...) or an IGSID (Instagram)
  customer         text not null,
  store_id         text not null references stores(id),
  -- AUTO: the machine answers; QUEUED: waiting for the store's staff; HUMAN: a person replied, automation paused
  mode             text not null default 'AUTO' check (mode in ('AUTO', 'QUEUED', 'HUMAN')),
  queued_at        timestamptz,
  queue_reason     text,
  failed_parses    int not null default 0 check (failed_parses >= 0),
  -- the order draft (lines, destination, phone, doubts), replaced as the chat goes on
  draft            jsonb,
  draft_id         text,
  draft_state      text check (draft_state in ('OPEN', 'PROPOSED', 'CONFIRMED')),
  checkout_id      text references checkouts(id),
  last_inbound_at  timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  unique (channel, customer, store_id),
  check ((mode = 'AUTO') = (queued_at is null))
);
create index conversations_queue_idx on conversations (store_id, queued_at) where mode <> 'AUTO';

create table conversation_messages (
  id                   text primary key,
  conversation_id      text not null references conversations(id),
  channel              text not null check (channel in ('WHATSAPP', 'INSTAGRAM')),
  direction            text not null check (direction in ('IN', 'OUT')),
  -- IN: the provider's id (wamid, mid); OUT: set once the provider accepted it
  provider_message_id  text,
  type                 text not null,
  body                 text,
  -- OUT: 'BOT' or the staff member's user id
  author               text,
  -- IN: RECEIVED, then HANDLED; OUT: QUEUED, then SENT or FAILED
  status               text not null check (status in ('RECEIVED', 'HANDLED', 'QUEUED', 'SENT', 'FAILED')),
  last_error           text,
  at                   timestamptz not null,
  sent_at              timestamptz,
  check (direction = 'OUT' or provider_message_id is not null)
);
create unique index conversation_messages_inbound_once on conversation_messages (channel, provider_message_id) where direction = 'IN';
create index conversation_messages_conversation_idx on conversation_messages (conversation_id, at);

-- Names buyers use for a product in chats ("shuka", "akala"), set by the seller.
create table product_aliases (
  product_id  text not null references products(id),
  alias       text not null check (length(alias) between 1 and 60),
  primary key (product_id, alias)
);
