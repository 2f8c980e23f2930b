-- A SKU is the store's own code (and its item id in the store's Meta catalogue): unique within a
-- store, no longer across the platform. Platform-wide, a store could not list a manufacturer's code
-- another store had used first (and the refusal told it that some store uses it), and a SKU a store
-- had removed from a product (the variant is deactivated, never deleted) could never be listed again.
-- Variants carry their product's store, set by a trigger so that every insert (the app's, the seed's,
-- tests' fixtures) gets it without naming it; a product never changes store.
alter table variants add column store_id text references stores(id);
update variants v set store_id = p.store_id from products p where p.id = v.product_id;
alter table variants alter column store_id set not null;

create function variants_store_of_product() returns trigger
language plpgsql as $$
begin
  select p.store_id into new.store_id from products p where p.id = new.product_id;
  return new;
end
$$;
create trigger variants_store before insert or update of product_id on variants
  for each row execute function variants_store_of_product();

alter table variants drop constraint variants_sku_key;
-- the constraint's name says "sku": the seller store maps its violation to CATALOGUE.SKU_TAKEN
create unique index variants_store_sku_key on variants (store_id, sku);
