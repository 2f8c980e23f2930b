-- The M-Pesa simulator's memory (MPESA_ENV=simulator), in the database so every process shares it:
-- the API process that sent an STK push and the worker process that queries it (or several of
-- each, `--role=api --workers N`) see the same pushes and payouts. Only the simulator uses these
-- tables; with a real Daraja they stay empty. The runtime role gets its grants by the usual rule
-- (amana_grant_runtime_privileges, re-applied after every migration run).

-- The counter in the simulated ids (CheckoutRequestID, MerchantRequestID, ConversationID): one for
-- every process, so two processes never mint the same id in the same second.
create sequence mpesa_simulator_ids;

-- Each STK push and the outcome its phone number chose: the query answers Pending until final_at
-- (when the callback is sent), then this outcome. result_code null: the customer never answers.
create table mpesa_simulator_pushes (
  checkout_request_id  text primary key,
  merchant_request_id  text not null,
  result_code          integer,
  result_desc          text not null,
  final_at             timestamptz not null,
  created_at           timestamptz not null default now()
);

-- Each B2C by OriginatorConversationID (a reused one is refused, as Daraja does) with what really
-- happened to it: the Transaction Status query's truth.
create table mpesa_simulator_payouts (
  originator_conversation_id  text primary key,
  result_code                 integer not null,
  receipt                     text not null unique,
  amount                      bigint not null check (amount > 0),
  phone                       text not null,
  created_at                  timestamptz not null default now()
);
