// Notifications: one dedupe rule (account, kind, threshold, period), in-app + email + Slack.
export { notify, notifyInBackground, type NotifyInput, type NotifyResult } from "./notify";
export { deliverDueNotifications, deliverNotification, MAX_DELIVERY_ATTEMPTS, retryDelayMs } from "./deliver";
export { listAccountNotifications, unreadNotificationCount, markAllNotificationsRead, listNotificationsForAdmin } from "./list";
export { kindLabels, kindRoutes } from "./kinds";
