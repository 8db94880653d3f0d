/* defs.h compiles on its own */
#include <lucid/defs.h>
int main(void);
int main(void)
{
	return 0;
}
