-- A guest token names one OPEN cart, not one cart for ever (as a buyer has one ACTIVE cart: 0005's
-- carts_active_buyer_key). The guest's cart is closed when it is merged into the buyer's cart at
-- login, and the browser keeps its token (a logged-out tab, a second tab): its next "add" must start
-- a new guest cart, where the unique guest_token made it a unique violation (a 503) for good.
-- No new table: the runtime role's grants on carts are unchanged.
alter table carts drop constraint carts_guest_token_key;
create unique index carts_active_guest_key on carts (guest_token) where state = 'ACTIVE' and guest_token is not null;
