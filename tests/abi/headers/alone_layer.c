/* layer.h compiles on its own */
#include <lucid/layer.h>
int main(void);
int main(void)
{
	return 0;
}
