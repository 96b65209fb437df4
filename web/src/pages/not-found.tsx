import { Card, Link, PageHeader } from "../components";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Card>
        <p>
          There is no page at this address. Go back to the <Link href="/">overview</Link>.
        </p>
      </Card>
    </>
  );
}
