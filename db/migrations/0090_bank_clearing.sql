-- A payout FINANCE records as paid by hand by bank transfer (a TZS or UGX payee, a Till store) left
-- from the platform's bank account, not its M-Pesa account: its posting credits BANK_CLEARING, so the
-- M-Pesa clearing account still matches Safaricom's statement and the bank's matches the bank's.
alter table ledger_entries drop constraint ledger_entries_account_check;
alter table ledger_entries add constraint ledger_entries_account_check check (account in (
  'MPESA_CLEARING', 'BANK_CLEARING', 'ESCROW', 'SELLER_PAYABLE', 'AFFILIATE_PAYABLE', 'SHIPPING_PAYABLE',
  'PLATFORM_FEE_REVENUE', 'PLATFORM_INCENTIVE_EXPENSE', 'PLATFORM_ROUNDING',
  'REFUNDS_PAYABLE', 'PAYOUT_CLEARING', 'HELD_PAYMENTS'));
