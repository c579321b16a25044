// The feed comes with the bus (event-store/bus); subscriptions read it through this type.
export type { FeedListener, LiveFeed } from '../../event-store/bus/live-feed.js';
