-- A buyer may hold GET /api/v1/checkouts/:id?wait=N open while the checkout's M-Pesa prompt is
-- pending (application/checkout/view-checkout.ts, watchCheckout). Every change of a checkout's state,
-- and of the status of any of its pushes, is announced on the channel amana_checkout_changed with the
-- checkout's id as the payload. NOTIFY is transactional: the announcement goes out when the change
-- commits, and a change rolled back announces nothing. A listener only ever re-reads the checkout
-- (the payload is a hint, never trusted as data), so a forged or lost announcement costs a read or a
-- wait until the caller's own time limit, never a wrong answer.
create function amana_checkout_state_changed() returns trigger
language plpgsql as $$
begin
  perform pg_notify('amana_checkout_changed', new.id);
  return null;
end
$$;

create function amana_stk_request_changed() returns trigger
language plpgsql as $$
begin
  perform pg_notify('amana_checkout_changed', new.checkout_id);
  return null;
end
$$;

create trigger checkouts_announce_change after update of state on checkouts
  for each row when (old.state is distinct from new.state) execute function amana_checkout_state_changed();

create trigger stk_requests_announce_change after update of status on mpesa_stk_requests
  for each row when (old.status is distinct from new.status) execute function amana_stk_request_changed();
