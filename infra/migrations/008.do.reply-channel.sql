-- Where a reply goes is part of the reply (issue 17): the channel the message it answers came
-- from. 'whatsapp' replies go to outbound.fifo, which the WhatsApp host reads; 'console' replies
-- go to console.fifo, which the local chat console's delivery reads. So the host and the console
-- never compete for one queue, whichever of them runs. Rows written before this column existed
-- all came from WhatsApp.
ALTER TABLE outbox ADD COLUMN channel VARCHAR(16) NOT NULL DEFAULT 'whatsapp'
    CHECK (channel IN ('whatsapp', 'console'));
-- A message Kantong starts (a scheduled report) goes where the user's last reply went.
CREATE INDEX idx_outbox_to_number ON outbox(to_number, id);
