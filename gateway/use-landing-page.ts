import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayPlugin } from './plugin.js';

export interface LandingPageOptions {
  /** Apollo's embedded Sandbox on GET /graphql from a browser; off in production. @default false */
  enabled?: boolean;
}

/** What a browser gets on GET /graphql: Apollo's local Sandbox (development, test) or nothing. */
export const useLandingPage = (options: LandingPageOptions = {}): GatewayPlugin => ({
  name: 'landing-page',
  apollo: options.enabled ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
});
