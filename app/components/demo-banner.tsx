import { Link } from "@remix-run/react";
import { Banner, InlineStack, Text } from "@shopify/polaris";

/**
 * Stands in for the Shopify Admin navigation in demo mode, where the admin
 * runs outside Shopify and App Bridge's nav menu has nothing to attach to.
 */
export function DemoBanner(props: {
  shopDomain: string;
  links: { to: string; label: string }[];
  current: string;
}) {
  return (
    <div style={{ padding: "12px 16px 0" }}>
      <Banner tone="info" title={`Demo mode: ${props.shopDomain}`}>
        <InlineStack gap="400">
          {props.links.map((item) => (
            <Link
              key={item.to}
              to={item.to}
              aria-current={props.current === item.to ? "page" : undefined}
            >
              <Text
                as="span"
                fontWeight={props.current === item.to ? "bold" : "regular"}
              >
                {item.label}
              </Text>
            </Link>
          ))}
        </InlineStack>
      </Banner>
    </div>
  );
}
