-- The store's own bar for chat automation (issue 14): a parsed chat order at or above this
-- confidence gets the "reply YES to pay" summary without a person; below it, the takeover queue.
alter table stores add column chat_confidence_threshold numeric(3, 2) not null default 0.80
  check (chat_confidence_threshold between 0.50 and 0.99);
