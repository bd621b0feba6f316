"""When notebooks run: cron schedules with policies, and the single scheduler loop that fires them."""
