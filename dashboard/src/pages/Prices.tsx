// Screen "Prices" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Prices(_props: { network: string }) {
  return <Empty description="Prices" />;
}
