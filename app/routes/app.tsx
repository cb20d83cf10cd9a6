import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Link,
  Outlet,
  useLoaderData,
  useLocation,
  useRouteError,
} from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { unreadAlertCount } from "~/alerts/inbox.server";
import { DemoBanner } from "~/components/demo-banner";
import { requireAdmin } from "~/auth.server";
import { isDemoMode } from "~/demo.server";
import { env } from "~/env.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

const NAVIGATION = [
  { to: "/app", label: "Overview" },
  { to: "/app/revenue", label: "Revenue" },
  { to: "/app/heatmaps", label: "Heatmaps" },
  { to: "/app/friction", label: "Friction" },
  { to: "/app/hypotheses", label: "Hypotheses" },
  { to: "/app/recordings", label: "Recordings" },
  { to: "/app/inbox", label: "Inbox" },
  { to: "/app/settings", label: "Settings" },
];

/** Returns the navigation links, with the unread count on the inbox. */
function navigation(unread: number) {
  return NAVIGATION.map((item) =>
    item.to === "/app/inbox" && unread > 0
      ? { ...item, label: `${item.label} (${unread})` }
      : item,
  );
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  return {
    apiKey: env().SHOPIFY_API_KEY,
    demo: isDemoMode(),
    shopDomain: shop.domain,
    unreadAlerts: await unreadAlertCount(shop.id),
  };
}

export default function AppLayout() {
  const { apiKey, demo, shopDomain, unreadAlerts } =
    useLoaderData<typeof loader>();
  const location = useLocation();
  const links = navigation(unreadAlerts);

  return (
    <AppProvider isEmbeddedApp={!demo} apiKey={apiKey}>
      {demo ? (
        <DemoBanner
          shopDomain={shopDomain}
          links={links}
          current={location.pathname}
        />
      ) : (
        <NavMenu>
          {links.map((item, index) => (
            <Link
              key={item.to}
              to={item.to}
              rel={index === 0 ? "home" : undefined}
            >
              {item.label}
            </Link>
          ))}
        </NavMenu>
      )}
      <Outlet />
    </AppProvider>
  );
}

// Shopify's boundary helpers keep the headers and redirects that embedded
// authentication relies on.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => {
  return boundary.headers(headersArgs);
};
