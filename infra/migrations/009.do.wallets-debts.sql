-- Wallets, transfers between them, debts and receivables (issue 12).
--
-- A wallet is a place money sits: cash, a bank account, an e-wallet. Every user has the default
-- wallet "Tunai" without a row: wallet_id NULL on a transaction means Tunai, so rows written
-- before wallets existed (and every message that names no wallet) land there without a backfill
-- or an extra lookup per message.
CREATE TABLE wallets (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(50) NOT NULL,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('bank', 'ewallet', 'other')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
-- "bca" and "BCA" are one wallet; two first mentions at once cannot make two.
CREATE UNIQUE INDEX idx_wallets_user_name ON wallets(user_id, lower(name));

-- kind says what a row means for reports: only 'regular' income and expense are earning and
-- spending. A loan moves cash (direction is the cash flow: lent or repaid by you = expense,
-- borrowed or paid back to you = income) but is never spending or earning; an 'adjustment' is the
-- difference a "saldo bca sekarang 2,5jt" records. Transfers (direction 'transfer') move money
-- from wallet_id to to_wallet_id and are neither.
ALTER TABLE transactions
    ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'regular'
        CHECK (kind IN ('regular', 'debt', 'receivable', 'adjustment')),
    ADD COLUMN wallet_id BIGINT REFERENCES wallets(id) ON DELETE SET NULL,
    ADD COLUMN to_wallet_id BIGINT REFERENCES wallets(id) ON DELETE SET NULL,
    -- The other person of a debt ('debt': you owe them) or receivable ('receivable': they owe
    -- you), lower case: "budi", "mama", "warung".
    ADD COLUMN counterparty VARCHAR(100),
    ADD CONSTRAINT transactions_loan_person
        CHECK ((kind IN ('debt', 'receivable')) = (counterparty IS NOT NULL)),
    ADD CONSTRAINT transactions_loan_cash_flow
        CHECK (kind = 'regular' OR direction <> 'transfer');

CREATE INDEX idx_transactions_user_loans ON transactions(user_id, kind, counterparty)
    WHERE counterparty IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX idx_transactions_wallet ON transactions(wallet_id) WHERE wallet_id IS NOT NULL;
CREATE INDEX idx_transactions_to_wallet ON transactions(to_wallet_id) WHERE to_wallet_id IS NOT NULL;
