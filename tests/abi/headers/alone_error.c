/* error.h compiles on its own */
#include <lucid/error.h>
int main(void);
int main(void)
{
	return 0;
}
