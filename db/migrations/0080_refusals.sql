-- A statement that finds a business rule refused (the last units gone, a limited incentive used up)
-- raises instead of returning no row, so the refusal aborts its transaction by itself: the client
-- can then send the statement and COMMIT together without reading its answer first, and a hot row
-- it locked (a product's stock, a promotion's counter) is held only until COMMIT on the server, not
-- through a round trip to the application and back. SQLSTATE AM003; the message is the refusal's
-- code (OUT_OF_STOCK, INCENTIVE_EXHAUSTED), the detail what was refused (a variant or incentive id).
create function amana_refuse(reason text, refused text) returns void
language plpgsql as $$
begin
  raise exception '%', reason using errcode = 'AM003', detail = coalesce(refused, '');
end
$$;
