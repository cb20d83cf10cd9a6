import type {
  ActionFunctionArgs,
  HeadersFunction,
  LoaderFunctionArgs,
} from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import {
  AppProvider as PolarisAppProvider,
  Button,
  Card,
  FormLayout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { LoginErrorType } from "@shopify/shopify-app-remix/server";
import { useState } from "react";
import { BodyTooLargeError, withCappedBody } from "~/capped-body.server";
import { login } from "~/shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

/** Passes on the action's headers, such as the 413's `Connection: close`. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

function loginError(result: Awaited<ReturnType<typeof login>>) {
  if (result instanceof Response) return null;
  if (result.shop === LoginErrorType.MissingShop) {
    return "Enter your shop domain to log in";
  }
  if (result.shop === LoginErrorType.InvalidShop) {
    return "Enter a valid shop domain, e.g. my-shop.myshopify.com";
  }
  return null;
}

export async function loader({ request }: LoaderFunctionArgs) {
  return { error: loginError(await login(request)) };
}

/** Largest login form read; it carries one shop domain. */
const MAX_LOGIN_FORM_BYTES = 16 * 1024;

export async function action({ request }: ActionFunctionArgs) {
  let bounded: Request;
  try {
    bounded = await withCappedBody(request, MAX_LOGIN_FORM_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    // The rest of the body stays unread, so the connection cannot be reused.
    return data(
      {
        error: `The login form exceeds ${MAX_LOGIN_FORM_BYTES} bytes: enter only your shop domain`,
      },
      { status: 413, headers: { Connection: "close" } },
    );
  }
  return { error: loginError(await login(bounded)) };
}

export default function Login() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<{ error: string | null }>();
  const [shop, setShop] = useState("");
  const error = actionData?.error ?? loaderData.error;

  return (
    <PolarisAppProvider i18n={polarisTranslations}>
      <Page narrowWidth>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h2">
                Log in to Storelens
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={error ?? undefined}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </PolarisAppProvider>
  );
}
