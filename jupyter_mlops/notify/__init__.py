"""Tell: channels (email, Slack, webhook, command) and events (failure, success, slow, alert, batch_done)
for runs, batches and schedules alike.

- `model`: `Notify` (channels and events, part of schedules, batches and run specs), `Alert`, `Delivery`
  (one recorded attempt) and `WebhookPayload` (the webhook's JSON, documented as a schema);
- `message`: what a message says, in each channel's form, secrets masked;
- `channels`: sending once on each channel; `delivery`: threads, retries with backoff, recording;
- `events`: when to tell (a run's end, its slowness, its metrics' alerts, a batch's end, a test).

This package imports nothing at its top, so the run and schedule models can use `notify.model`.
"""
