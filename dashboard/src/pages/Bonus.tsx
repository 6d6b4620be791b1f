// Screen "Bonus" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Bonus(_props: { network: string }) {
  return <Empty description="Bonus" />;
}
