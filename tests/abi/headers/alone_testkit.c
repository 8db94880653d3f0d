/* testkit.h compiles on its own */
#include <lucid/testkit.h>
int main(void);
int main(void)
{
	return 0;
}
