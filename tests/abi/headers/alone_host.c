/* host.h compiles on its own */
#include <lucid/host.h>
int main(void);
int main(void)
{
	return 0;
}
