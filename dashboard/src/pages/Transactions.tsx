// Screen "Transactions" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Transactions(_props: { network: string }) {
  return <Empty description="Transactions" />;
}
