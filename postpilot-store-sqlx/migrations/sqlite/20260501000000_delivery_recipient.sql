-- Deleting a recipient finds its deliveries (to cancel the queued ones and
-- to clear the reference) without scanning every delivery.
CREATE INDEX delivery_recipient ON delivery (recipient_id);
